import { runShard } from './shard.js';

await runShard(0, 4);
