// Rule `external-ip-conflict`, from the link phase: Services of one cluster that claim the same
// externalIP with the same port and protocol. kube-proxy programs both for one destination and sends
// its traffic to only one of them, so the owner of either can take the other's traffic, however
// strict the externalIP allowlist (kubernetes/kubernetes#97110). Addresses compare as addresses
// (IPv6 in any written form); two definitions of one Service (the same name, in namespaces that can
// be the same: see sameNamespace) are one object and never conflict.
import { RelatedLocation } from '../types';
import { ExternalIpFact, FileFacts, Place, sameNamespace, ServiceFact, ServicePortFact } from './facts';

/** One Service's entries of one address (a list may repeat an address), in its file. */
interface Definition {
  file: string;
  service: ServiceFact;
  address: string;
  entries: ExternalIpFact[];
}

/** Definitions by object (see objectKey): the definitions of one Service are skipped together. */
type ByObject = Map<unknown, Definition[]>;

/** Another Service's definition of the same address, and the ports both claim. */
interface Rival {
  definition: Definition;
  ports: ServicePortFact[];
}

/** How a conflict is reported: the Linker adds it as a finding of the entry's file. */
export type ConflictReport = (place: Place, documentIndex: number, text: { message: string; related: RelatedLocation[] }) => void;

// Real Services list a few addresses and ports; a Service with more address/port pairs than this is
// compared by address (port sets looked up), so that it cannot make the index quadratic.
const MAX_INDEXED_SOCKETS = 1024;
const MAX_PORTS_NAMED = 3;
const MAX_RELATED = 20;
const ADDRESS_KEY = 'externalIP/';

/** What a file's Services claim, as `externalIP/<address>`: what its dependents are found from when the file changes. */
export function addressKeysOf(facts: FileFacts | undefined): string[] {
  return (facts?.services ?? []).flatMap((service) => service.externalIPs.map((entry) => ADDRESS_KEY + entry.address));
}

/** The Services of one cluster, indexed by the addresses and ports they claim. */
export class ServiceConflicts {
  private readonly definitionsByFile = new Map<string, Definition[]>();
  private readonly byAddress = new Map<string, ByObject>();
  /** Definitions of indexed Services by `address port/protocol`. */
  private readonly bySocket = new Map<string, ByObject>();
  /** Definitions of Services with too many address/port pairs to index, by address. */
  private readonly wideByAddress = new Map<string, ByObject>();
  private readonly wide = new Set<ServiceFact>();
  private readonly portKeyMemo = new Map<ServiceFact, Set<string>>();
  private readonly wideSharedMemo = new Map<ServiceFact, Map<ServiceFact, ServicePortFact[]>>();
  private readonly relatedMemo = new Map<Definition, Map<string, RelatedLocation[]>>();

  constructor(inputs: readonly { file: string; facts: FileFacts }[]) {
    for (const { file, facts } of inputs) for (const service of facts.services) this.add(file, service);
  }

  /** The files whose Services claim an address among `keys` (see `addressKeysOf`); other keys are ignored. */
  dependentFiles(keys: Iterable<string>): Set<string> {
    const files = new Set<string>();
    for (const key of keys) {
      if (!key.startsWith(ADDRESS_KEY)) continue;
      for (const definitions of this.byAddress.get(key.slice(ADDRESS_KEY.length))?.values() ?? []) {
        for (const definition of definitions) files.add(definition.file);
      }
    }
    return files;
  }

  /** Reports each externalIPs entry of `file` that another Service claims with a shared port. */
  report(file: string, report: ConflictReport): void {
    for (const definition of this.definitionsByFile.get(file) ?? []) {
      // Most addresses are claimed by one object only.
      if ((this.byAddress.get(definition.address)?.size ?? 0) < 2) continue;
      const { rivals, objects } = this.rivalsOf(definition);
      if (rivals.length === 0) continue;
      const [first] = rivals;
      const more = objects.length > MAX_RELATED ? ' and many other Services' : otherServices(countObjects(objects) - 1);
      const related = rivals.flatMap((rival) => this.relatedOf(rival)).slice(0, MAX_RELATED);
      for (const entry of definition.entries) {
        const theirs = first.definition.entries[0].text;
        const written = theirs === entry.text ? '' : ` (written ${theirs} there)`;
        report(entry.place, definition.service.documentIndex, {
          message:
            `${describeService(first.definition.service)}${more} also claim${more ? '' : 's'} externalIP ${entry.text}${written} with ` +
            `${portsText(first.ports)}. kube-proxy sends that traffic to only one of these Services, so the owner of either can take ` +
            `the other's traffic, even with the address inside the externalIP allowlist (kubernetes/kubernetes#97110).`,
          related,
        });
      }
    }
  }

  private add(file: string, service: ServiceFact): void {
    const own = new Map<string, Definition>();
    for (const entry of service.externalIPs) {
      const known = own.get(entry.address);
      if (known) known.entries.push(entry);
      else own.set(entry.address, { file, service, address: entry.address, entries: [entry] });
    }
    const portKeys = this.portKeys(service);
    const wide = own.size * portKeys.size > MAX_INDEXED_SOCKETS;
    if (wide) this.wide.add(service);
    const definitions = this.definitionsByFile.get(file) ?? [];
    this.definitionsByFile.set(file, definitions);
    for (const definition of own.values()) {
      definitions.push(definition);
      addTo(this.byAddress, definition.address, definition);
      if (wide) addTo(this.wideByAddress, definition.address, definition);
      else for (const port of portKeys) addTo(this.bySocket, `${definition.address} ${port}`, definition);
    }
  }

  /**
   * The other Services' definitions of the address that share a port (up to MAX_RELATED), and one
   * Service per other object met (up to MAX_RELATED + 1: beyond that, they are "many").
   */
  private rivalsOf(definition: Definition): { rivals: Rival[]; objects: ServiceFact[] } {
    const rivals: Rival[] = [];
    const objects: ServiceFact[] = [];
    const counted = new Set<unknown>();
    const seen = new Set<Definition>();
    for (const [key, group] of this.candidates(definition)) {
      // Every definition of a group has the same name and namespace.
      if (sameObject(definition.service, group[0].service)) continue;
      for (const other of group) {
        if (seen.has(other)) continue;
        seen.add(other);
        const ports = this.sharedPorts(definition.service, other.service);
        if (ports.length === 0) continue;
        if (!counted.has(key)) {
          counted.add(key);
          objects.push(other.service);
          if (objects.length > MAX_RELATED) return { rivals, objects };
        }
        if (rivals.length >= MAX_RELATED) break;
        rivals.push({ definition: other, ports });
      }
    }
    return { rivals, objects };
  }

  /** A rival's entries as related locations; a Service that many others rival is described once per ports. */
  private relatedOf(rival: Rival): RelatedLocation[] {
    const ports = portsText(rival.ports);
    let byPorts = this.relatedMemo.get(rival.definition);
    if (!byPorts) this.relatedMemo.set(rival.definition, (byPorts = new Map()));
    let related = byPorts.get(ports);
    if (!related) {
      const { file, service, entries } = rival.definition;
      related = entries.map((entry) => ({ file, range: entry.place.range, message: `${describeService(service)} claims it too: externalIP ${entry.text}, ${ports}` }));
      byPorts.set(ports, related);
    }
    return related;
  }

  /** The groups that can hold a rival: those sharing a socket with an indexed Service, else every one of the address. */
  private *candidates(definition: Definition): Iterable<[unknown, Definition[]]> {
    if (this.wide.has(definition.service)) {
      yield* this.byAddress.get(definition.address) ?? [];
      return;
    }
    for (const port of this.portKeys(definition.service)) yield* this.bySocket.get(`${definition.address} ${port}`) ?? [];
    yield* this.wideByAddress.get(definition.address) ?? [];
  }

  private portKeys(service: ServiceFact): Set<string> {
    let keys = this.portKeyMemo.get(service);
    if (!keys) {
      keys = new Set(service.ports.map(portText));
      this.portKeyMemo.set(service, keys);
    }
    return keys;
  }

  /**
   * The ports of `a` that `b` has too (same port and protocol), in `a`'s order. Kept for a Service
   * too wide to index, which meets the same rivals at each of its many addresses.
   */
  private sharedPorts(a: ServiceFact, b: ServiceFact): ServicePortFact[] {
    const memo = this.wide.has(a) ? this.wideSharedMemo.get(a) ?? new Map<ServiceFact, ServicePortFact[]>() : undefined;
    const known = memo?.get(b);
    if (known) return known;
    const theirs = this.portKeys(b);
    const taken = new Set<string>();
    const shared: ServicePortFact[] = [];
    for (const port of a.ports) {
      const key = portText(port);
      if (!theirs.has(key) || taken.has(key)) continue;
      taken.add(key);
      shared.push(port);
    }
    if (memo) this.wideSharedMemo.set(a, memo.set(b, shared));
    return shared;
  }
}

function addTo(index: Map<string, ByObject>, key: string, definition: Definition): void {
  let objects = index.get(key);
  if (!objects) index.set(key, (objects = new Map()));
  const object = objectKey(definition.service);
  const list = objects.get(object);
  if (list) list.push(definition);
  else objects.set(object, [definition]);
}

/** Definitions of one object share this key; a Service without a name is an object of its own. */
function objectKey(service: ServiceFact): unknown {
  return service.name === undefined ? service : `${service.namespace ?? ''}/${service.name}`;
}

function sameObject(a: ServiceFact, b: ServiceFact): boolean {
  return a === b || (a.name !== undefined && a.name === b.name && sameNamespace(a.namespace, b.namespace));
}

/**
 * How many objects the Services (one per group) are: a name counts once per namespace it is given,
 * and once if it is given none, since a Service without a namespace can be any of the others.
 */
function countObjects(services: readonly ServiceFact[]): number {
  const namespacesByName = new Map<string, Set<string>>();
  let unnamed = 0;
  for (const service of services) {
    if (service.name === undefined) {
      unnamed++;
      continue;
    }
    const namespaces = namespacesByName.get(service.name) ?? new Set<string>();
    if (service.namespace !== undefined) namespaces.add(service.namespace);
    namespacesByName.set(service.name, namespaces);
  }
  let count = unnamed;
  for (const namespaces of namespacesByName.values()) count += Math.max(1, namespaces.size);
  return count;
}

function otherServices(count: number): string {
  return count === 0 ? '' : ` and ${count} other Service${count === 1 ? '' : 's'}`;
}

function describeService(service: ServiceFact): string {
  if (service.name === undefined) return 'A Service without a name';
  return service.namespace === undefined ? `Service ${service.name} (in the namespace it is applied to)` : `Service ${service.namespace}/${service.name}`;
}

function portText(port: ServicePortFact): string {
  return `${port.port}/${port.protocol}`;
}

function portsText(ports: readonly ServicePortFact[]): string {
  const named = ports.slice(0, MAX_PORTS_NAMED).map(portText);
  const rest = ports.length - named.length;
  return `port${ports.length === 1 ? '' : 's'} ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}
