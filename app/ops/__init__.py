"""Running the service: liveness and readiness probes, the load-benchmark baseline endpoint."""
