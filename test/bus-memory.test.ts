// Runs the bus contract suite against the in-memory bus.
import { MemoryBus } from "../runtime/bus/memory.ts";
import { busContract } from "./bus-contract.ts";

busContract("memory", async () => new MemoryBus({ unsettledRetryMs: 50 }));
