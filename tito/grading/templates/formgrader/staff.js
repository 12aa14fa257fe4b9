// Formgrader as the grading service serves it; RoleGate puts this script into every
// formgrader page, after nbgrader's scripts, with `tinytorch_staff` set before it:
// {role: "instructor" | "ta", notebooks: "<url of the course's notebook pages>/"}.
(function (staff) {
    "use strict";

    // nbgrader links a module's name and "Preview" to Jupyter's /tree/ and /notebooks/
    // pages, which this service does not serve: link them to the course's own pages of the
    // instructor's (source) and the students' (release) notebook instead. Other links
    // (a student's live notebook) have no page here: they stay text.
    var PAGE = /(?:^|\/)(source|release)\/([A-Za-z0-9._-]+)\/?$/;
    window.linkTo = function (type, path) {
        var page = PAGE.exec(path);
        return function (_, element) {
            if (page) {
                return $(element).attr("href", staff.notebooks + page[1] + "/" + page[2])
                    .attr("target", "_blank")[0];
            }
            return $(element).removeAttr("href")[0];
        };
    };

    // nbgrader's error dialogs say only "There was an error…": put the server's own
    // message (what was refused, which role may) on top of the dialog.
    var serverMessage = function (xhr) {
        try {
            var body = JSON.parse(xhr.responseText);
            return body.message || body.error || "";
        } catch (error) {
            return (xhr.responseText || "").slice(0, 500);
        }
    };
    $(document).ajaxError(function (event, xhr) {
        var message = serverMessage(xhr);
        if (!message) {
            return;
        }
        var dialog = $("#error-modal .modal-body").last();
        if (dialog.length) {
            dialog.prepend($("<p/>").addClass("alert alert-danger server-message").text(message));
        } else {
            createLogModal("error-modal", "Error", message);
        }
    });

    if (staff.role === "instructor") {
        return;
    }
    // A TA's rows have no cell for what only instructors do (the page's header, from
    // the TA's template, has no column for them either).
    var INSTRUCTOR_ONLY = ["edit", "assign", "release", "collect", "autograde",
                           "generate-feedback", "release-feedback"];
    if (typeof window.insertRow === "function") {
        var insertRow = window.insertRow;
        window.insertRow = function (table) {
            var row = insertRow(table);
            row.find(INSTRUCTOR_ONLY.map(function (name) { return "td." + name; }).join(","))
                .remove();
            return row;
        };
    }
})(window.tinytorch_staff);
