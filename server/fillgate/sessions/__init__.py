"""Trading sessions: calendars per symbol, market status, the closed-market policy."""
