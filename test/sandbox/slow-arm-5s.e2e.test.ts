// Every ARM reply 5 s late, with the catalog's data stores: see slow-arm.ts.
import { slowArmSuite } from "./slow-arm.js";

slowArmSuite(5_000, { data: true });
