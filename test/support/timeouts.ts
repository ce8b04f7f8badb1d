// Timeouts catch hangs, not slowness: integration tests wait on a real node (start-up, refreshes,
// merges), and every test may run on a shared CI box at many times its quiet-box time.
jest.setTimeout(600_000);
