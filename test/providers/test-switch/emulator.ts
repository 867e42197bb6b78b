// The test switch as the ARM emulator serves it: GET and PATCH of one resource type.
import type {
  EmulatedService,
  EmulatorKit,
  Reply,
  RouteCall,
  ServiceFactory,
} from "../../../src/sandbox/arm/kit.js";
import { RG, lower } from "../../../src/sandbox/arm/kit.js";
import { onlyKeys } from "../../../src/sandbox/arm/body.js";
import { SWITCH_API_VERSION, SWITCH_OPERATIONS } from "./index.js";

export class SwitchService implements EmulatedService {
  readonly kind = "test-switch";
  readonly namespace = "microsoft.test";
  readonly apiVersions = [SWITCH_API_VERSION];
  readonly #kit: EmulatorKit;
  readonly #targets = new Map<string, string>();
  /** Every PATCH that changed the target, in order. */
  readonly changes: string[] = [];

  constructor(kit: EmulatorKit) {
    this.#kit = kit;
  }

  add(id: string, target: string): void {
    this.#targets.set(lower(id), target);
  }

  target(id: string): string | undefined {
    return this.#targets.get(lower(id));
  }

  readonly routes = [
    {
      pattern: new RegExp(`${RG}microsoft\\.test\\/switches\\/[^/]+$`),
      methods: {
        GET: {
          action: SWITCH_OPERATIONS.read.action,
          handle: (call: RouteCall): Reply => ({ status: 200, body: this.#json(call.path) }),
        },
        PATCH: {
          action: SWITCH_OPERATIONS.write.action,
          handle: (call: RouteCall): Reply => {
            this.#json(call.path);
            const props = onlyKeys(
              onlyKeys(call.body, new Set(["properties"]), "Switch")["properties"],
              new Set(["target"]),
              "SwitchProperties",
            );
            const target = String(props["target"]);
            this.#targets.set(lower(call.path), target);
            this.changes.push(target);
            return { status: 200, body: this.#json(call.path) };
          },
        },
      },
    },
  ];

  #json(path: string) {
    const target = this.#targets.get(lower(path));
    if (target === undefined) throw this.#kit.notFound(path);
    return { id: path, name: path.split("/").at(-1), properties: { target } };
  }
}

const create: ServiceFactory = (kit) => new SwitchService(kit);
export default create;
