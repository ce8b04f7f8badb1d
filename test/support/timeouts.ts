// Integration tests wait on a real node (start-up, refreshes, merges); unit tests keep Jest's default.
jest.setTimeout(120_000);
