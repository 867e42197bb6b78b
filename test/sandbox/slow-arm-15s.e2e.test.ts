// Every ARM reply 15 s late: see slow-arm.ts.
import { slowArmSuite } from "./slow-arm.js";

slowArmSuite(15_000);
