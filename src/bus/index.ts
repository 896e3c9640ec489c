// The bus module is the only place that imports the NATS client. Everything else goes through
// these exports.
export {
  Bus,
  type BusOptions,
  type MessageHandler,
  type Payload,
  type RequestHandler,
  type Unsubscribe,
} from './bus.js';
export { BadPayloadError, decodeObject, encode } from './codec.js';
export { redactUrl, type ConnectOptions, type NatsSettings } from './connect.js';
export { embeddedServerSpec, findNatsServer, freePort, probePort, type EmbeddedServerSpec } from './embedded-server.js';
export { JsonKv, RevisionConflictError, type Entry } from './kv.js';
export { errorReply, NO_REPLY, okReply, unwrapReply, type Reply } from './reply.js';
export { DEFAULT_GATHER_WINDOW_MS, type RequestAllOptions } from './requestAll.js';
export {
  failoverWaitMs,
  FAILOVER_RETRY_MS,
  requestThroughFailover,
  type ThroughFailoverOptions,
} from './throughFailover.js';
export { registerService, type EndpointSpec, type ServiceSpec } from './service.js';
export { subjectsFor, type Subjects } from './subjects.js';
export { ensureMissionEventLog, ensureOutbox, publishDurable, type OutboxLimits } from './streams.js';
export { ensureDeliveryLog, recordDelivery } from './githubDeliveries.js';
export {
  consumeDurable,
  durableStart,
  durableState,
  streamState,
  type DurableConsumer,
  type DurableConsumerOptions,
  type DurableMessage,
  type DurableState,
  type StreamState,
} from './consumer.js';
