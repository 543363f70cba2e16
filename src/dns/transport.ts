// How a DNS message came and goes back: the one word the socket layer and the responder share.
export type Transport = 'udp' | 'tcp';
