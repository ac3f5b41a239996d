package io.textintel.services;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports on 127.0.0.1 that were free a moment ago, picked by the operating system.
 *
 * <p>All sockets of one call stay bound until every port is chosen, so one call never returns the
 * same port twice. Another process may still take a port before the server binds it; the servers
 * fail fast with "Address already in use" in their log then.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /** Picks {@code count} distinct free ports on the loopback address. */
    public static int[] pick(int count) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("count is " + count + ", expected at least 1");
        }
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, loopback);
                socket.setReuseAddress(true);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
