"""Values, orders, events and commands. Imports nothing else of fillgate."""
