"""Security parts: secrets at rest, brute-force limits, rate-limit buckets, the audit trail."""
