"""File imports of customers, contacts, contracts, tickets, complaints and feedback.

Public entry points live in `jobs` (import jobs, saved mappings, `import_file`); `engine` holds the
streaming validate-then-write machinery that `record_satisfaction_batch` shares. This package module stays
empty so `satisfaction.services.feedback` can import the engine without an import cycle.
"""
