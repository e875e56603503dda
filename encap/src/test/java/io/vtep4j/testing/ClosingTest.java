package io.vtep4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosingTest {

    @Test
    void closesEveryResourceInOrderSkippingNullsAndRethrowsTheFirstFailure() {
        List<String> closed = new ArrayList<>();
        IllegalStateException boom = new IllegalStateException("a");
        AutoCloseable a = () -> {
            closed.add("a");
            throw boom;
        };
        AutoCloseable b = () -> {
            closed.add("b");
            throw new IOException("b");
        };
        AutoCloseable c = () -> closed.add("c");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Closing.all(a, null, b, c));
        assertSame(boom, thrown);
        assertEquals(List.of("a", "b", "c"), closed);
        assertEquals("b", thrown.getSuppressed()[0].getMessage());
    }

    @Test
    void aCheckedFailureIsWrapped() {
        IOException io = new IOException("x");
        IllegalStateException thrown = assertThrows(
                IllegalStateException.class,
                () -> Closing.all(() -> {
                    throw io;
                }));
        assertSame(io, thrown.getCause());
    }
}
