"""Generated protobuf and gRPC code for fillgate.v1 (see tools/genproto.py)."""
