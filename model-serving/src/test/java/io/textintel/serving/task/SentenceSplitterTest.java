package io.textintel.serving.task;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SentenceSplitterTest {

    @Test
    void splitsAfterTerminatorsFollowedByWhiteSpace() {
        assertThat(SentenceSplitter.split("Flink runs the job. Kafka holds the input! Does it scale? Yes…  It does."))
                .containsExactly("Flink runs the job.", "Kafka holds the input!", "Does it scale?", "Yes…", "It does.");
    }

    @Test
    void keepsNumbersAbbreviationsAndInitialsInsideTheirSentence() {
        assertThat(SentenceSplitter.split("Pi is 3.14 or so, e.g. in Fig. 2 by Dr. Smith and J. R. Tolkien. Next one."))
                .containsExactly("Pi is 3.14 or so, e.g. in Fig. 2 by Dr. Smith and J. R. Tolkien.", "Next one.");
    }

    @Test
    void closingQuotesAndBracketsStayWithTheirSentence() {
        assertThat(SentenceSplitter.split("He said \"stop.\" Then (quietly.) he left?!"))
                .containsExactly("He said \"stop.\"", "Then (quietly.)", "he left?!");
    }

    @Test
    void lineBreaksEndSentencesAndTextWithoutTerminatorIsOneSentence() {
        assertThat(SentenceSplitter.split("Title without stop\n\n- a bullet\n- another")).containsExactly(
                "Title without stop", "- a bullet", "- another");
        assertThat(SentenceSplitter.split("no terminator at all")).containsExactly("no terminator at all");
        assertThat(SentenceSplitter.split("  \n ")).isEmpty();
    }
}
