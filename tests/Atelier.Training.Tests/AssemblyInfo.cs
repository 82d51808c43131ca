// Torch's thread pool and global settings are process-wide, and the machine is small: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
