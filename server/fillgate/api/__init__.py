"""gRPC edge: thin servicers, proto <-> domain conversion, google.rpc.Status errors."""
