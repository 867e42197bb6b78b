import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { stateStoreContract } from "./contract.js";

stateStoreContract("memory", { create: async () => new MemoryStateStore() });
