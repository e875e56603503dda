package io.vtep4j;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A frame handler for tests: queues what it receives; the test polls with a timeout and releases. */
final class Sink implements FrameHandler, AutoCloseable {

    private final LinkedBlockingQueue<ByteBuf> frames = new LinkedBlockingQueue<>();

    @Override
    public void onFrame(ByteBuf frame) {
        frames.add(frame);
    }

    /** The next frame within {@code millis}, or null. The caller releases it. */
    ByteBuf poll(long millis) throws InterruptedException {
        return frames.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Frames waiting right now. */
    int size() {
        return frames.size();
    }

    /** Releases everything still queued. */
    @Override
    public void close() {
        for (ByteBuf f; (f = frames.poll()) != null; ) {
            f.release();
        }
    }
}
