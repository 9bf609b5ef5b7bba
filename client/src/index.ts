// The typed edge-2fa client: generated types (./generated/api.ts) and the hand-written wrapper (./client.ts).
export * from './client.ts';
