/**
 * Users who sign up again (a re-registration, a reinstall that re-runs the signup flow):
 * the sample lake's shape for the contract's ruling that a user's signup day is the day of
 * their first signup ever recorded (shared/kpi-spec.md), so the demo shows it at work.
 *
 * Its own random stream (seeded from the lake's seed, never drawn from the simulation's),
 * so that adding these events leaves every other event and order of a seed as it was.
 */
import { Random } from "./random.ts";

/** Chance that an active day of a user past their signup day opens with a new signup. */
export const SIGN_UP_AGAIN_PER_ACTIVE_DAY = 0.004;
/** Salt of the stream's seed (any constant, distinct from the simulation's forks). */
const SEED_SALT = 0x5e_51_9a_0b;

/** Decides, active day by active day, which users sign up again. */
export class ReSignups {
  readonly #random: Random;

  constructor(seed: number) {
    this.#random = new Random((seed ^ SEED_SALT) >>> 0);
  }

  /** Whether a user active `age` days after their signup signs up again that day. */
  signsUpAgain(age: number): boolean {
    return age >= 1 && this.#random.chance(SIGN_UP_AGAIN_PER_ACTIVE_DAY);
  }
}
