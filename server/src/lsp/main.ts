// Entry point of dist/server.js.
import { createServerConnection, installCrashGuards } from './connection';
import { startServer } from './server';

const connection = createServerConnection();
installCrashGuards(connection);
startServer(connection);
