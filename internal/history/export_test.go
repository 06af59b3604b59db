package history

// BeforeComplete lets tests hold a partial mirror's completion back.
var BeforeComplete = &beforeComplete

// HeadStart is the head start of a clone on a machine with the given cores,
// where background commands run at SCHED_IDLE or not.
var HeadStart = headStart
