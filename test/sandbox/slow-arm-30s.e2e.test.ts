// Every ARM reply 30 s late: see slow-arm.ts.
import { slowArmSuite } from "./slow-arm.js";

slowArmSuite(30_000);
