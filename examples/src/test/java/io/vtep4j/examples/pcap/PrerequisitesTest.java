package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The captures come with the repository: present ones are found, an absent one fails (never skips) naming its path. */
class PrerequisitesTest {

    @Test
    void aCaptureOfTheRepositoryIsARegularFile() throws Exception {
        Path file = Prerequisites.capture("peers/ovs-nvgre-vsid123456-flow01.pcap");
        assertTrue(Files.isRegularFile(file), file.toString());
        assertEquals(1012, Files.size(file));
    }

    @Test
    void aMissingCaptureFailsWithThePathItLookedFor() {
        AssertionFailedError failure =
                assertThrows(AssertionFailedError.class, () -> Prerequisites.capture("peers/absent.pcap"));
        assertTrue(
                failure.getMessage()
                        .contains("MISSING TEST DATA: captures/peers/absent.pcap on the test class path (source: "
                                + "examples/src/test/resources/captures/peers/absent.pcap"),
                failure.getMessage());
    }
}
