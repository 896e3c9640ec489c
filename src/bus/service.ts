// Registers an actor as a NATS micro service, so `nats micro ls` lists the running tree and
// `nats micro stats` shows each control endpoint's request count and latency. (Refusals are
// ordinary replies with ok: false, so they do not count as service errors.)
import type { Service } from 'nats';
import type { Bus, RequestHandler } from './bus.js';

export interface EndpointSpec {
  name: string;
  subject: string;
  handler: RequestHandler;
}

export interface ServiceSpec {
  name: string;
  version: string;
  description: string;
  metadata?: Record<string, string>;
  endpoints: EndpointSpec[];
}

export async function registerService(bus: Bus, spec: ServiceSpec): Promise<Service> {
  const service = await bus.nc.services.add({
    name: spec.name,
    version: spec.version,
    description: spec.description,
    ...(spec.metadata ? { metadata: spec.metadata } : {}),
  });
  for (const endpoint of spec.endpoints) {
    service.addEndpoint(endpoint.name, {
      subject: endpoint.subject,
      handler: (error, msg) => {
        if (error) return;
        void bus.answer(msg, endpoint.handler);
      },
    });
  }
  // The endpoints' subscriptions reach the server with the next flush: until then a request
  // gets "no responders". Flushing here makes "registered" mean "answering".
  await bus.nc.flush();
  return service;
}
