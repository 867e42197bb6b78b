// The behaviour every DataControl must have. Run against each implementation: in memory, SQL
// failover groups and Cosmos DB through the ARM emulator. The tests run in order over one store.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DataControl, DataState } from "../../../src/ports/data-control.js";
import { waitFor } from "../../helpers/wait.js";

interface DataFixture {
  readonly data: DataControl;
  readonly group: string;
  /** A store whose primary copy is in `northeurope`, with a caught-up copy in `westeurope`. */
  readonly store: string;
  /**
   * Sets the store's allowDataLoss as its configuration would (true to begin with): `data` is
   * then the lever so configured.
   */
  allowDataLoss(allowed: boolean): void | Promise<void>;
  /** Makes a region's copy unreachable (its server or region lost), or reachable again. */
  reach(region: string, reachable: boolean): void | Promise<void>;
  /**
   * Makes a copy trail the primary by `seconds`, as the kind's service reports it; absent for a
   * kind that cannot tell a lag (Azure SQL's ARM API has none).
   */
  lag?(region: string, seconds: number): void | Promise<void>;
  /** The failovers Azure (or the fake) accepted so far, as `region mode` in order. */
  failovers(): string[];
  /**
   * Ends the failovers under way at once (their time passes): failovers take as long as the test
   * needs to see them under way, however slow the machine. Without it, they must end by themselves.
   */
  finish?(): void;
  close?(): Promise<void>;
}

export function dataControlContract(name: string, create: () => Promise<DataFixture>): void {
  describe(`DataControl contract: ${name}`, () => {
    let f: DataFixture;
    const read = () => f.data.read(f.group, f.store);
    const settled = (primary: string) =>
      waitFor(`${primary} to be the store's primary, no change under way`, async () => {
        const s = await read();
        return !s.changing && s.primary === primary ? s : undefined;
      });
    before(async () => {
      f = await create();
    });
    after(async () => {
      await f.close?.();
    });

    it("covers its store and no other", () => {
      assert.equal(f.data.covers(f.group, f.store), true);
      assert.equal(f.data.covers(f.group, "no-such-store"), false);
      assert.equal(f.data.covers("no-such-group", f.store), false);
    });

    it("reads the primary and a caught-up copy, nothing changing", async () => {
      const s = await read();
      assert.equal(s.primary, "northeurope");
      assert.equal(s.changing, false);
      assert.deepEqual(Object.keys(s.regions).sort(), ["northeurope", "westeurope"]);
      assert.equal(s.regions["northeurope"]?.reachable, true);
      assert.equal(s.regions["westeurope"]?.reachable, true);
      assert.equal(s.regions["westeurope"]?.caughtUp, true);
    });

    it("reports a copy's replication lag only when asked for it (a kind that can tell one)", async (t) => {
      if (!f.lag) return t.skip("this kind reports no lag");
      await f.lag("westeurope", 12);
      const asked = await f.data.read(f.group, f.store, { lag: true });
      assert.equal(asked.regions["westeurope"]?.lagSeconds, 12);
      assert.equal(asked.regions["westeurope"]?.caughtUp, true, "a lag is not a refusal");
      const unasked = await read();
      assert.equal(unasked.regions["westeurope"]?.lagSeconds, undefined);
    });

    it("refuses a forced failover while the primary's copy answers, and sends nothing", async () => {
      await assert.rejects(
        f.data.failover(f.group, f.store, "westeurope", "forced"),
        /answers/,
        "a planned failover loses nothing: never force while the primary answers",
      );
      assert.deepEqual(f.failovers(), [], "nothing accepted");
    });

    it("a planned failover to the caught-up copy says changing, refuses a second one, and ends with it primary", async () => {
      await f.data.failover(f.group, f.store, "westeurope", "planned");
      const during = await read();
      assert.equal(during.changing, true, "changing once Azure accepted the failover");
      await assert.rejects(
        f.data.failover(f.group, f.store, "westeurope", "planned"),
        // The SQL lever refuses it itself (SQL has no "in progress" flag, and Azure's 409 is not
        // to be relied on); Cosmos DB locks the account and answers 412 PreconditionFailed
        // ("another user operation in progress"); the memory lever answers 409 as Azure would.
        /in progress/i,
        "a second failover while one runs is refused, saying one is in progress",
      );
      f.finish?.();
      const done = await settled("westeurope");
      assert.equal(done.regions["northeurope"]?.reachable, true);
      assert.deepEqual(f.failovers(), ["westeurope planned"], "one failover accepted, not two");
    });

    it("a failover to the copy that is already primary changes nothing", async () => {
      await f.data.failover(f.group, f.store, "westeurope", "planned");
      assert.equal((await read()).changing, false);
      assert.deepEqual(f.failovers(), ["westeurope planned"]);
    });

    it("reads the store with the primary's copy unreachable, from the copy that answers", async () => {
      await f.reach("westeurope", false);
      const s: DataState = await read();
      assert.equal(s.regions["westeurope"]?.reachable, false);
      assert.equal(s.regions["northeurope"]?.reachable, true);
      assert.equal(s.changing, false);
    });

    it("refuses a planned failover while the primary's copy is unreachable, saying so", async () => {
      await assert.rejects(
        f.data.failover(f.group, f.store, "northeurope", "planned"),
        /unreachable|not reachable|cannot be reached|forced/i,
      );
      assert.equal(f.failovers().length, 1, "nothing accepted");
    });

    it("refuses a forced failover of a store that does not allow data loss, and sends nothing", async () => {
      await f.allowDataLoss(false);
      try {
        await assert.rejects(
          f.data.failover(f.group, f.store, "northeurope", "forced"),
          /allowDataLoss|allow data loss/,
        );
        assert.equal(f.failovers().length, 1, "nothing accepted");
      } finally {
        await f.allowDataLoss(true);
      }
    });

    it("a forced failover then makes the reachable copy primary", async () => {
      await f.data.failover(f.group, f.store, "northeurope", "forced");
      f.finish?.();
      const s = await settled("northeurope");
      assert.equal(s.regions["northeurope"]?.reachable, true);
      assert.deepEqual(f.failovers(), ["westeurope planned", "northeurope forced"]);
      await f.reach("westeurope", true);
    });

    it("an unknown store, group or region is a clear error", async () => {
      await assert.rejects(f.data.read(f.group, "no-such-store"), /no-such-store/);
      await assert.rejects(f.data.read("no-such-group", f.store), /no-such-group/);
      await assert.rejects(f.data.failover(f.group, f.store, "atlantis", "planned"), /atlantis/);
    });
  });
}
