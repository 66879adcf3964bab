"""`inbox export …`: command-line exports (the weekly sentiment export, ticket exports)."""
