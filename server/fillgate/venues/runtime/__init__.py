"""The runtime every real venue shares: one :class:`~.adapter.RemoteVenue` per account.

A driver (ccxt, oanda, alpaca) only translates calls; the runtime decides
what happens around them, one module per job, all sharing one explicit
:class:`~.context.VenueContext` (legs, caller, instruments, sink, clock,
settings):

- :mod:`.calls` -- **pacing and retries**: every call takes a token from the
  venue's bucket (a ``Retry-After`` pauses the whole bucket); RETRYABLE
  failures are retried with exponential backoff and full jitter; reads and
  cancels also retry an UNKNOWN_OUTCOME, because repeating them cannot double
  anything;
- :mod:`.orders` -- submit and cancel;
- :mod:`.resolve` -- **unknown outcomes**: a submit or replace that may have
  reached the venue is never sent again. It is resolved by asking the venue
  for the order by its client id until the venue shows it or
  ``resolve_timeout_s`` passes without it (then it was not placed: rejected);
- :mod:`.replace` -- native where the driver has it, else cancel + new under
  the chained client id (:mod:`.client_ids`); either way the new venue order
  is a new leg of the same fillgate order, carrying the quantity not yet filled;
- :mod:`.sync` -- backfill (fills since the last sync, the state of every
  open order) and reattach after a restart;
- :mod:`.pump` -- **the stream**: keeps the driver's stream running,
  backfills after every (re)connect and polls while it is down;
- :mod:`.poll` -- the one "ask the venue until it shows X or a deadline
  passes" loop, on the injected clock;
- :mod:`.legs` -- every report goes through :class:`~.legs.LegBook`, which
  emits each fill exactly once;
- :mod:`.adapter` -- :class:`~.adapter.RemoteVenue`, the adapter the engine
  sees, wiring the rest.

Imports run one way: adapter -> pump -> sync -> resolve -> context -> legs,
calls; replace and orders -> resolve -> context.
"""
