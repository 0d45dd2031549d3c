"""1C:Enterprise through the CommerceML exchange."""
