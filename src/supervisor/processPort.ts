// The child machines' hands on the OS: spawn a child and report its start and exit, signal it,
// and ask it over its control subject to restart or stop. What the child-supervision machine
// names as actions, provided here; it also knows which processes are alive now.
import type { AnyActorRef } from 'xstate';
import * as ev from '../../machines/childEvents.js';
import { childSupervisionMachine } from '../../machines/childSupervision.js';
import { probePort, type Bus, type EmbeddedServerSpec } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import type { AcceptedReply, ControlRequest } from '../contracts/index.js';
import { sleep } from '../time/sleep.js';
import type { Announcer } from './announcer.js';
import { sendSignal, spawnActor, spawnNatsServer, type ChildProcess, type SpawnOptions } from './processes.js';
import { NATS_CHILD } from './tree.js';

export interface ProcessPortOptions {
  config: RoshiConfig;
  /** The embedded server to run as the nats child; undefined with an external server. */
  nats: EmbeddedServerSpec | undefined;
  spawnOptions: SpawnOptions;
  actorSpawnOptions: (name: string) => SpawnOptions;
  bus: () => Bus | undefined;
  announcer: Announcer;
}

export interface ProcessPort {
  /** The live process of each child, by name. */
  processes: ReadonlyMap<string, ChildProcess>;
  /** The child-supervision machine with the real actions. */
  childMachine: typeof childSupervisionMachine;
  /** SIGKILL to every live child: a forced stop, or the supervisor machine failed. */
  killAll: () => void;
}

export function createProcessPort({
  config,
  nats,
  spawnOptions,
  actorSpawnOptions,
  bus,
  announcer,
}: ProcessPortOptions): ProcessPort {
  const processes = new Map<string, ChildProcess>();

  const spawn = (name: string, self: AnyActorRef) => {
    let child: ChildProcess;
    try {
      child =
        name === NATS_CHILD && nats
          ? spawnNatsServer(nats.binary, nats.args, spawnOptions)
          : spawnActor(name, [], actorSpawnOptions(name));
    } catch (error) {
      self.send(ev.spawnFailed((error as Error).message, Date.now(), Math.random()));
      return;
    }
    processes.set(name, child);
    self.send(ev.processStarted(child.pid, Date.now()));
    void child.exited.then(({ code, signal }) => {
      if (processes.get(name) === child) processes.delete(name);
      self.send(ev.processExited(child.pid, code, signal, Date.now(), Math.random()));
    });
    if (name === NATS_CHILD && nats) void announceWhenListening(nats, child, self);
  };

  const askActor = (name: string, verb: 'restart' | 'stop', pid: number, self: AnyActorRef) => {
    const b = bus();
    if (!b) return void setImmediate(() => self.send(ev.restartUnanswered(pid, 'bus not connected', Date.now())));
    b.request<AcceptedReply>(
      b.subjects.control(name),
      { verb } satisfies ControlRequest,
      config.supervision.ackTimeout,
    ).then(
      (reply) => self.send(ev.restartAcked(pid, Date.now(), reply?.deferred === true)),
      (error: Error) => self.send(ev.restartUnanswered(pid, error.message, Date.now())),
    );
  };

  const childMachine = childSupervisionMachine.provide({
    actions: {
      // Side effects run after the transition completes, so the events they send come back in order.
      spawnProcess: ({ context, self }) => void setImmediate(() => spawn(context.name, self)),
      requestRestart: ({ context, self }, { pid }) => askActor(context.name, 'restart', pid, self),
      requestStop: ({ context, self }, { pid }) => askActor(context.name, 'stop', pid, self),
      signalProcess: (_, { pid, signal }) => {
        if (pid !== undefined) sendSignal(pid, signal);
      },
      announce: ({ context }, params) => announcer.announce({ child: context.name, ...params }),
    },
  });

  return {
    processes,
    childMachine,
    killAll: () => {
      for (const child of processes.values()) sendSignal(child.pid, 'SIGKILL');
    },
  };
}

/** Waits until the embedded server accepts connections, then reports it as the child's first heartbeat. */
async function announceWhenListening(spec: EmbeddedServerSpec, child: ChildProcess, self: AnyActorRef): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!exited) {
    if (await probePort(spec.host, spec.port, 200)) {
      self.send(ev.heartbeat(child.pid, `nats-${child.pid}`, Date.now()));
      return;
    }
    await sleep(25);
  }
}
