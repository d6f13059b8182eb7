"""Integrity: the invariants the database must hold, and the doctor that checks them."""
