package io.vtep4j.internal.raw;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.UnderlayReceiver;
import java.net.InetAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An {@link UnderlayReceiver} for the raw GRE tests: hands each payload to {@link #inspect} and releases it once that
 * returns (or throws), ignores batch ends, and keeps every drop reason in {@link #drops} (thread-safe).
 */
abstract class ReleasingReceiver implements UnderlayReceiver {

    final BlockingQueue<DropReason> drops = new LinkedBlockingQueue<>();

    /** Looks at a received payload; it is released after this call. */
    abstract void inspect(ByteBuf payload, InetAddress source);

    @Override
    public final void received(ByteBuf payload, InetAddress source) {
        try {
            inspect(payload, source);
        } finally {
            payload.release();
        }
    }

    @Override
    public void readComplete() {}

    @Override
    public void dropped(DropReason reason) {
        drops.add(reason);
    }
}
