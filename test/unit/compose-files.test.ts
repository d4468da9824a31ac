/**
 * The compose files cannot be run here (no Docker): they are read as
 * Compose reads them, and what outpace would make of them is checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadServersConfig } from '../../src/telephony/servers/servers-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const read = (file: string) => parse(readFileSync(`${ROOT}${file}`, 'utf8'), { merge: true }) as ComposeFile;

describe.each(['docker-compose.yml', 'docker-compose.scale.yml'])('%s', (file) => {
  const compose = read(file);

  it('mounts files that exist and volumes it declares, and depends on services it has', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, `${name} has an image or a build`).toBeTruthy();
      for (const volume of service.volumes ?? []) {
        expect(typeof volume, `${name}: a volume is one line`).toBe('string');
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(`${ROOT}${source}`), `${name} mounts ${source}`).toBe(true);
        else expect(compose.volumes, `${name}'s volume ${source} is declared`).toHaveProperty(source);
      }
      for (const other of Object.keys(service.depends_on ?? {})) expect(compose.services, `${name} depends on ${other}`).toHaveProperty(other);
    }
  });
});

describe('docker-compose.scale.yml', () => {
  const compose = read('docker-compose.scale.yml');
  const engines = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'run');
  const pbxs = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('andrius/asterisk'));

  it('has two engines and two Asterisk servers beside one PostgreSQL and one Redis', () => {
    expect(engines.map(([name]) => name)).toEqual(['engine1', 'engine2']);
    expect(pbxs.map(([name]) => name)).toEqual(['pbx1', 'pbx2']);
    expect(compose.services).toHaveProperty('postgres');
    expect(compose.services).toHaveProperty('redis');
  });

  it('gives each engine both servers, each with its own Stasis application, and an engine id of its own', () => {
    const apps = new Set<string>();
    const ids = new Set<string>();
    for (const [name, engine] of engines) {
      const config = loadServersConfig(engine.environment!)!;
      expect(config.servers.map((s) => new URL(s.ari.ARI_URL).hostname), name).toEqual(pbxs.map(([pbx]) => pbx));
      for (const s of config.servers) apps.add(`${s.name}/${s.ari.ARI_APP}`);
      ids.add(engine.environment!['OUTPACE_ENGINE_ID']!);
    }
    expect(apps.size).toBe(engines.length * pbxs.length);
    expect(ids.size).toBe(engines.length);
  });

  it("puts both engines behind the balancer, which sends a socket asking for an engine by its id to that engine's API", () => {
    const balancer = compose.services['balancer']!;
    expect(balancer.volumes).toContain('./deploy/nginx/outpace-engines.conf:/etc/nginx/conf.d/default.conf:ro');
    const nginx = readFileSync(`${ROOT}deploy/nginx/outpace-engines.conf`, 'utf8');
    const byEngine = new Map([...nginx.matchAll(/^\s+(\S+)\s+(\S+):(\d+);$/gm)].map((m) => [m[1]!, { host: m[2]!, port: m[3]! }]));
    const upstream = [...nginx.matchAll(/^\s+server\s+([^:\s]+):(\d+)/gm)].map((m) => m[1]);
    for (const [name, engine] of engines) {
      expect(byEngine.get(engine.environment!['OUTPACE_ENGINE_ID']!), name).toEqual({ host: name, port: String(engine.environment!['PORT'] ?? 8080) });
      expect(upstream, name).toContain(name);
    }
  });

  it('gives the two servers SIP and RTP ports that do not collide on the host', () => {
    const hostPorts = pbxs.flatMap(([, s]) => ((s as { ports?: string[] }).ports ?? []).map((p) => p.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });
});
