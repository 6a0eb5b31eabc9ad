/**
 * A stand-in for EventBridge Scheduler's API as the re-checks use it (`@aws-sdk/client-
 * scheduler` is not in node_modules yet): CreateSchedule refuses a name already in its group
 * with a `ConflictException` and validates what Scheduler validates (name characters and
 * length, an `at(yyyy-mm-ddThh:mm:ss)` expression), DeleteSchedule of a missing one is a
 * `ResourceNotFoundException`, and a one-time schedule with ActionAfterCompletion DELETE is
 * gone once it has fired.
 */
import type {
  CreateScheduleInput,
  DeleteScheduleInput,
  SchedulerSdk,
} from "../../../functions/lib/adapters/scheduler-rechecks.ts";

class CreateScheduleCommand {
  readonly input: CreateScheduleInput;
  constructor(input: CreateScheduleInput) {
    this.input = input;
  }
}
class DeleteScheduleCommand {
  readonly input: DeleteScheduleInput;
  constructor(input: DeleteScheduleInput) {
    this.input = input;
  }
}

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const NAME = /^[0-9A-Za-z_.-]{1,64}$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;

export interface FakeScheduler {
  readonly sdk: SchedulerSdk;
  /** Every CreateSchedule input, accepted or not, in order. */
  readonly created: CreateScheduleInput[];
  /** The schedules that exist now, by `group/name`. */
  readonly pending: Map<string, CreateScheduleInput>;
  /** Fires the schedule `name`: returns the event it sends, and deletes it (DELETE). */
  fire(name: string): unknown;
}

export function fakeScheduler(): FakeScheduler {
  const created: CreateScheduleInput[] = [];
  const pending = new Map<string, CreateScheduleInput>();
  const key = (group: string, name: string) => `${group}/${name}`;
  const client = {
    async send(command: unknown): Promise<unknown> {
      if (command instanceof CreateScheduleCommand) {
        const input = command.input;
        created.push(input);
        if (!NAME.test(input.Name)) throw awsError("ValidationException", `bad name ${input.Name}`);
        if (!AT.test(input.ScheduleExpression)) {
          throw awsError("ValidationException", `bad expression ${input.ScheduleExpression}`);
        }
        if (pending.has(key(input.GroupName, input.Name))) {
          throw awsError("ConflictException", `Schedule ${input.Name} already exists.`);
        }
        pending.set(key(input.GroupName, input.Name), input);
        return {
          ScheduleArn: `arn:aws:scheduler:eu-west-1:000000000000:schedule/${input.GroupName}/${input.Name}`,
        };
      }
      if (command instanceof DeleteScheduleCommand) {
        const { GroupName, Name } = command.input;
        if (!pending.delete(key(GroupName, Name))) {
          throw awsError("ResourceNotFoundException", `Schedule ${Name} does not exist.`);
        }
        return {};
      }
      throw new Error("fake Scheduler: unexpected command");
    },
  };
  return {
    sdk: { client, CreateScheduleCommand, DeleteScheduleCommand },
    created,
    pending,
    fire(name) {
      const entry = [...pending].find(([k]) => k.endsWith(`/${name}`));
      if (!entry) throw new Error(`fake Scheduler: no schedule ${name}`);
      const [k, input] = entry;
      if (input.ActionAfterCompletion === "DELETE") pending.delete(k);
      return JSON.parse(input.Target.Input) as unknown;
    },
  };
}
