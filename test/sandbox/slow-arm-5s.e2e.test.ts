// Every ARM reply 5 s late: see slow-arm.ts.
import { slowArmSuite } from "./slow-arm.js";

slowArmSuite(5_000);
