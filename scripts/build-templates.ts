console.log("templates: nothing to build yet");
