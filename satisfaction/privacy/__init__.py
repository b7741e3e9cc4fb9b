"""Personal data: export everything held about a contact or customer, erase it, and expire old free text."""
