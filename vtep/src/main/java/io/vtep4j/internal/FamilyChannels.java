package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Sends on Netty's datagram path through one channel per address family (either may be absent): each payload is
 * written to the socket address a {@link DestinationCache} holds for its destination, without a flush, and
 * {@link #flush} flushes only the families written to since the previous flush.
 *
 * <p>Thread-safe: the channels are set while the underlay opens and read by any sending thread (volatile); the
 * written-to flags are set by senders and cleared by flushes.
 */
public final class FamilyChannels {

    private final DestinationCache recipients;
    private volatile Channel v4;
    private volatile Channel v6;
    private volatile boolean dirty4;
    private volatile boolean dirty6;

    /** Channels that send to the socket addresses {@code recipients} holds (it may be shared with other users). */
    public FamilyChannels(DestinationCache recipients) {
        this.recipients = recipients;
    }

    /** The channel of one family, or null if there is none. */
    public Channel channel(boolean ipv6) {
        return ipv6 ? v6 : v4;
    }

    /** Sets the channel of one family. */
    public void channel(boolean ipv6, Channel ch) {
        if (ipv6) {
            v6 = ch;
        } else {
            v4 = ch;
        }
    }

    /**
     * Writes {@code payload} (ownership passes) through the channel of {@code destination}'s family, to be sent on
     * the next {@link #flush}. False, with the payload released, if that family has no channel.
     */
    public boolean send(ByteBuf payload, InetAddress destination) {
        boolean ipv6 = destination instanceof Inet6Address;
        Channel ch = ipv6 ? v6 : v4;
        if (ch == null) {
            payload.release();
            return false;
        }
        write(ch, payload, destination);
        if (ipv6) {
            dirty6 = true;
        } else {
            dirty4 = true;
        }
        return true;
    }

    /** Writes {@code payload} (ownership passes) through {@code ch}, any channel, to {@code destination}; no flush. */
    public void write(Channel ch, ByteBuf payload, InetAddress destination) {
        ch.write(new DatagramPacket(payload, recipients.get(destination)), ch.voidPromise());
    }

    /** Flushes the channels written to since the previous flush. */
    public void flush() {
        Channel ch4 = v4;
        if (dirty4 && ch4 != null) {
            dirty4 = false;
            ch4.flush();
        }
        Channel ch6 = v6;
        if (dirty6 && ch6 != null) {
            dirty6 = false;
            ch6.flush();
        }
    }
}
