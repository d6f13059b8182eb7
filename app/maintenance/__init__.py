"""Operating the service: backups and restores, data-key rotation."""
