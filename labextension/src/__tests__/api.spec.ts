// The requests go to a real HTTP server on loopback that answers as the panel API does.
import { ServerConnection } from '@jupyterlab/services';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';

import { request } from '../api';

let server: Server;
let settings: ServerConnection.ISettings;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    // A GET's URL ends in a cache buster: "?<time>" or "&<time>".
    const url = req.url!.replace(/[?&]\d+$/, '');
    seen.push(`${req.method} ${url} ${req.headers.authorization}`);
    const [status, body] =
      url === '/lab/tinytorch/api/course'
        ? [200, '{"title": "TinyTorch"}']
        : url === '/lab/tinytorch/api/modules/tensor/submit'
          ? [400, '{"message": "tensor is not released yet: ask your instructor"}']
          : [502, '<html>Bad gateway</html>'];
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  settings = ServerConnection.makeSettings({
    baseUrl: `http://127.0.0.1:${port}/lab/`,
    token: 'secret',
    fetch,
    Request,
    Headers
  });
});

afterAll(() => new Promise(resolve => server.close(resolve)));

describe('request', () => {
  it('answers the JSON of the panel API, with the lab token', async () => {
    expect(await request('course', 'GET', settings)).toEqual({ title: 'TinyTorch' });
    expect(seen).toContain('GET /lab/tinytorch/api/course token secret');
  });

  it("throws the server's message on an error", async () => {
    await expect(request('modules/tensor/submit', 'POST', settings)).rejects.toThrow(
      /^tensor is not released yet: ask your instructor$/
    );
  });

  it('says the status and what to do when the answer is not the API', async () => {
    await expect(request('milestones/mlp/run?since=0', 'GET', settings)).rejects.toThrow(
      /answered 502 Bad Gateway to GET tinytorch\/api\/milestones\/mlp\/run\?since=0: reload/
    );
  });

  it('says so when the server does not answer', async () => {
    const gone = ServerConnection.makeSettings({
      ...settings,
      baseUrl: 'http://127.0.0.1:9/lab/'
    });
    await expect(request('course', 'GET', gone)).rejects.toThrow(/does not answer/);
  });
});
