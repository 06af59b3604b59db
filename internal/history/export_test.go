package history

// BeforeComplete lets tests hold a partial mirror's completion back.
var BeforeComplete = &beforeComplete
