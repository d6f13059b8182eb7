"""Deliberation (民主协商议事): meetings, the demands residents raise there, and their way to done."""
