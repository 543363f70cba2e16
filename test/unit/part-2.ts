import { runShard } from './shard.js';

await runShard(1, 4);
