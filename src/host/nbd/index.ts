export { NbdServer, parseHostPort, type NbdServerOptions, type NbdListenAddress } from './server.js';
export { NbdExportRegistry, type NbdExport } from './exports.js';
export { NbdConnection, transmissionFlags } from './connection.js';
export { NbdServerDecoder, type ClientMessage, type NbdRequest } from './decoder.js';
export * from './encoder.js';
export * from './constants.js';
