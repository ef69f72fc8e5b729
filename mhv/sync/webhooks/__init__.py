"""Forge webhooks: signature checks, GitHub and GitLab payloads mapped to task changes, and the
delivery log that deduplicates them (written in the same transaction as the changes)."""
