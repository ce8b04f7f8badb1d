// Timeouts catch hangs, not slowness: integration tests wait on a real node (start-up, refreshes,
// merges), and a unit test reading a real capture can take seconds on a loaded CI box.
jest.setTimeout(120_000);
