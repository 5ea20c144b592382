// Loaded (node --import) into node.exe under Wine by scripts/sf-wine-smoke.sh only, never shipped.
// Under Wine, socket.setKeepAlive() on a socket that is still connecting makes the connect fail with
// "connect UNKNOWN" (real Windows accepts it), and undici calls it on every new connection: the call
// is deferred to the socket's connect event.
import net from 'node:net';

const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function deferredSetKeepAlive(...args) {
  if (this.connecting) {
    this.once('connect', () => setKeepAlive.apply(this, args));
    return this;
  }
  return setKeepAlive.apply(this, args);
};
