"""Health probes: checks (exec, TCP, HTTP GET) and the loop that turns them into verdicts."""
