"""Sequenced event bus: subscribers, bounded queues, resume from a sequence."""
