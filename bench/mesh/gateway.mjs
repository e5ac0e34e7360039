// Hive Gateway's runtime serving the composed supergraph (SUPERGRAPH) on node:http, as its docs show for Node; prints
// `MESH_URL=<url>` once listening. KRR_URL and KRR_TOKEN are read by the supergraph's transport per request.
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';

for (const name of ['SUPERGRAPH', 'KRR_URL', 'KRR_TOKEN']) {
  if (!process.env[name]) {
    console.error(`${name} is required`);
    process.exit(2);
  }
}
const gateway = createGatewayRuntime({ supergraph: process.env.SUPERGRAPH });
const server = createServer(gateway);
// Port 0: the caller's environment may hold a PORT meant for another service.
server.listen(0, '127.0.0.1', () => {
  console.log(`MESH_URL=http://127.0.0.1:${server.address().port}/graphql`);
});
const stop = async () => {
  server.close();
  server.closeAllConnections();
  await gateway.dispose().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
